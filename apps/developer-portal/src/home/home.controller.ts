import { Controller, Get, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';

/** `GET /`: what the platform is, and Sign Up / Log In (or the way on, when signed in). */
@ApiExcludeController()
@Controller()
export class HomeController {
  @Get()
  @Render('home/views/home')
  home(): { title: string } {
    return { title: 'Digital Banking Developer Portal' };
  }
}
