import { Controller, Get, Query, Render, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CurrentDeveloper } from '../../accounts/current-developer.decorator';
import { OrganizationGuard } from '../../accounts/session.guard';
import type { CurrentDeveloperView } from '../../accounts/signed-in';
import { PortalEnv } from '../../config/portal.env';
import { publicApiBases } from '../public-apis';
import type { QueryInput } from './test-drive.query';
import { TestDriveService, type TestDriveView } from './test-drive.service';

/**
 * `GET /test-drive`: the activity search as a form. GET, so that every result (each page
 * included) is a link; nothing here changes anything, so no CSRF token is involved.
 */
@ApiExcludeController()
@Controller('test-drive')
@UseGuards(OrganizationGuard)
export class TestDriveController {
  constructor(
    private readonly testDrive: TestDriveService,
    private readonly env: PortalEnv,
  ) {}

  @Get()
  @Render('explore/views/test-drive')
  async page(
    @CurrentDeveloper() developer: CurrentDeveloperView,
    @Query() query: QueryInput,
  ): Promise<TestDriveView & { title: string; styles: string[]; fieldErrors: string[] }> {
    const bases = publicApiBases(this.env);
    const view = await this.testDrive.run({
      institutionId: developer.institutionId,
      query,
      activityBaseUrl: bases['activity-service'],
      authBaseUrl: bases['auth-server'],
    });
    return {
      ...view,
      title: 'Test drive',
      styles: ['/assets/explore/explore.css'],
      // Field names with a message, for the summary's links to them.
      fieldErrors: Object.keys(view.errors).filter((f) => f !== ''),
    };
  }
}
